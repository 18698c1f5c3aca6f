"""Exports as background jobs (R-26, issue 20): ask on a form, watch the progress, download.

- ``registry``: :class:`ExportKind` (capability, label, file name, format, filter form and
  the ``build`` that yields the rows) and the hook the apps register their kinds with;
- ``forms``: the start form's shared filters (schools, township, dates) and their scoping;
- ``services``: ``export_start`` → the task ``portal.tasks.export_run`` →
  ``export_job_run`` (rows streamed through ``portal.spreadsheets`` into private storage,
  progress saved every few hundred rows) and ``export_files_prune`` (``manage.py retention``);
- ``selectors``: a person's own jobs, the kinds they may start;
- ``views``: 我的导出 (``/admin/exports/``), the start form, the progress page with its JSON
  status, the download (owner only, capability asked again, logged).
"""
