"""The web console: upload a sheet, review the plan, approve, watch it run, download the
report. It calls the same library as the CLI: loaders, planner, runner, report writers."""
