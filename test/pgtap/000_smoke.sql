BEGIN;
SELECT plan(1);
SELECT has_extension('clarky_activity');
SELECT * FROM finish();
ROLLBACK;
