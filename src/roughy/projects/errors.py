from roughy.errors import NotFound


class ProjectNotFound(NotFound):
    default_message = "Project not found."
