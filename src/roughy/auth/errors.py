from roughy.errors import Conflict, Forbidden, Locked, Unauthenticated


class InvalidCredentials(Unauthenticated):
    default_message = "Invalid email or password."


class EmailTaken(Conflict):
    code, default_message = "email_taken", "An account with this email already exists."


class AccountDeleted(Locked):
    code = "account_deleted"
    default_message = "This account is scheduled for deletion; restore it to make changes."


class SessionRequired(Forbidden):
    code, default_message = "session_required", "Sign in with a session to edit your profile."
