"""Action and callback ids of the projects domain.

Input blocks of the project modals use field paths as block and action ids ("name",
"kpis.0.target", "rollout.12.owner"): the same paths the validation rules report problems on,
so a problem lands on its field with no mapping table.
"""

from enum import StrEnum


class ProjectAction(StrEnum):
    open = "project_open"
    list_page = "project_list_page"
    new = "project_new"
    post_update = "project_post_update"
    pause = "project_pause"
    resume = "project_resume"
    abandon = "project_abandon"
    celebrate = "project_celebrate"
    milestone_reached = "project_milestone_reached"
    add_kpi_slot = "project_add_kpi_slot"
    add_milestone_slot = "project_add_milestone_slot"
    usergroup = "project_usergroup"  # external select: options from usergroups.list
    flash_settings = "project_flash_settings"
    flash_stop = "project_flash_stop"


class ProjectView(StrEnum):
    create = "project_create"
    update = "project_update"
    status = "project_status"
    flash = "project_flash"
