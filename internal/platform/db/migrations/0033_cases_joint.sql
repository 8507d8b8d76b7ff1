-- The opinions a joint department owes (联办, art. 26) are tasks in its own unit: its queue reads
-- them by unit, oldest question first (a department may owe thousands), with the case as the
-- tie-breaker of the keyset (one open opinion per department and case).
CREATE INDEX case_tasks_joint ON case_tasks (unit_id, opened_at, case_id) WHERE state = 'open' AND branch = 'joint';
