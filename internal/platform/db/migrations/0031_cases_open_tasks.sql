-- Every transition reads the open tasks of its case. case_tasks_case holds every task the case
-- ever had (each return adds a round), so the open ones get an index of their own.
CREATE INDEX case_tasks_open ON case_tasks (case_id, opened_at, id) WHERE state = 'open';
