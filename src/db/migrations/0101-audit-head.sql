-- The head of the audit hash chain as one row. Appending updates this row and inserts the event in
-- one statement: the row lock serializes appends only from that statement to commit, and the
-- update always reads the newest committed head (PostgreSQL re-reads a row it waited for).
create table audit_head (
  id smallint primary key check (id = 1),
  prev text,
  hash text not null
);
insert into audit_head (id, hash)
select 1, coalesce((select hash from audit_events order by seq desc limit 1), repeat('0', 64));
