-- The opinions a joint department owes (联办, art. 26) are tasks in its own unit: its queue reads
-- them by unit. Only the open ones, which are few.
CREATE INDEX case_tasks_joint ON case_tasks (unit_id, opened_at) WHERE state = 'open' AND branch = 'joint';
