"""Reports for leaders: the sections of the township and county reports, and their HTML.

A report notebook opens its data with :func:`open_report` and shows each section
with one call (:func:`headline`, :func:`village_map`, :func:`top_villages`, …);
:func:`export_html` turns the executed notebook into the leaders' HTML.
"""

from audit.report.analyst import (
    design_table,
    edit_table,
    estimates_table,
    key_figures,
    unknowns_table,
)
from audit.report.context import ReportContext, open_report
from audit.report.county import department_tasks, funds, township_ranking
from audit.report.forecast import (
    discrepancy_table,
    forecast,
    hurt_most,
    scenarios,
    simulation_key_figures,
)
from audit.report.headline import headline, indicator_table, metric_cards
from audit.report.html import export_html
from audit.report.progress import progress
from audit.report.sections import (
    action_summary,
    data_quality,
    method_notes,
    problem_list,
    project_progress,
    sign_off,
    visit_progress,
)
from audit.report.villages import top_villages, village_map, village_table

__all__ = [
    "ReportContext",
    "action_summary",
    "data_quality",
    "department_tasks",
    "design_table",
    "discrepancy_table",
    "edit_table",
    "estimates_table",
    "export_html",
    "forecast",
    "funds",
    "headline",
    "hurt_most",
    "indicator_table",
    "key_figures",
    "method_notes",
    "metric_cards",
    "open_report",
    "problem_list",
    "progress",
    "project_progress",
    "scenarios",
    "sign_off",
    "simulation_key_figures",
    "top_villages",
    "township_ranking",
    "unknowns_table",
    "village_map",
    "village_table",
    "visit_progress",
]
