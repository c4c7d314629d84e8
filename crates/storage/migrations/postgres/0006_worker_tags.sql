-- Block runs of tagged blocks are claimed only by workers with that tag.
ALTER TABLE block_runs ADD COLUMN worker_tag TEXT;
