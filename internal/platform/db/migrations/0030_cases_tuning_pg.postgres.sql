-- PostgreSQL only: leave room on each page of cases, so that the daily re-derivation of the
-- remaining working days (a column in no index) is a heap-only update that touches no index.
ALTER TABLE cases SET (fillfactor = 85);
