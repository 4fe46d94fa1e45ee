-- Version 3: the SHA-256 of the file a snapshot was read from (NULL for snapshots saved
-- before), so that the same file is not compared with itself nor saved twice unawares.
alter table snapshots add column source_digest varchar;
