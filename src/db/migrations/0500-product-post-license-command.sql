-- A product may run a command after its license is written and its installer ran (e.g. to restart
-- its service so it reads the license): the installer now runs with the license already in place.
alter table products add column post_license_command text;
