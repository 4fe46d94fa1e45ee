"""Settings: every threshold of SPEC section 5, defaults from the guidance, and a reset."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state
from dashboard.thresholds import DESCRIPTIONS, ConfigError, Thresholds

st.title("Settings")
st.caption("Thresholds apply to every page and every export of this session. The defaults "
           "come from the guidance.")

current = state.thresholds()
defaults = Thresholds()
with st.form("settings_form"):
    values: dict[str, object] = {}
    grid = st.columns(2)
    for position, (name, value) in enumerate(current.as_params().items()):
        column = grid[position % 2]
        label = f"{DESCRIPTIONS[name]} ({name})"
        default = getattr(defaults, name)
        if isinstance(value, dt.date):
            values[name] = column.date_input(label, value=value, key=f"settings_{name}",
                                             help=f"Default {default}")
        else:
            values[name] = column.number_input(label, value=value, min_value=0, max_value=300,
                                               step=1, key=f"settings_{name}",
                                               help=f"Default {default}")
    apply, reset = st.columns(2)
    applied = apply.form_submit_button("Apply thresholds", type="primary")
    restored = reset.form_submit_button("Reset to the guidance's defaults")

if applied:
    try:
        chosen = Thresholds(**{name: int(v) if isinstance(v, float) else v
                               for name, v in values.items()})
    except ConfigError as error:
        st.error("Those thresholds cannot be used.")
        st.text(str(error))
    else:
        state.set_thresholds(chosen)
        st.success("Thresholds applied everywhere.")
if restored:
    state.set_thresholds(defaults)
    for name in defaults.as_params():
        st.session_state.pop(f"settings_{name}", None)
    st.rerun()

changed = [name for name, value in state.thresholds().as_params().items()
           if value != getattr(defaults, name)]
if changed:
    st.info("Changed from the defaults: " + ", ".join(changed))
