-- Cases: the work-queue indexes as the 1,000,000-case benchmarks left them.

-- 待办 without todo_user: the assignee test (todo_user IN ('', me, whom I cover)) must stay a
-- filter, because PostgreSQL's generic plan would otherwise use the IN list as an index condition
-- and give up the index's due-date order (sorting a whole pool instead of reading 50 entries).
DROP INDEX cases_todo_unit;
CREATE INDEX cases_todo_unit ON cases (todo_role, todo_unit, next_due, id) WHERE todo_role <> '';
DROP INDEX cases_todo_due;
CREATE INDEX cases_todo_due ON cases (todo_role, next_due, id, todo_region) WHERE todo_role <> '';

-- Suspended, awaiting correction and the sweeps look at open cases only: a smaller index that a
-- recompute of every open deadline rewrites faster.
DROP INDEX cases_state;
CREATE INDEX cases_state ON cases (state, next_due, id, todo_region, todo_unit) WHERE state < 92;
