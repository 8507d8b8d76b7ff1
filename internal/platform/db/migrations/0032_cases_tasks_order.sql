-- The tasks of a case are read in (opened_at, id) order, and a return looks for the newest task
-- of a step: with id in the index neither sorts every task the case ever had.
DROP INDEX case_tasks_case;
CREATE INDEX case_tasks_case ON case_tasks (case_id, opened_at, id);
