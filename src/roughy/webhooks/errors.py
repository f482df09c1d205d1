from roughy.errors import NotFound


class WebhookEndpointNotFound(NotFound):
    default_message = "Webhook endpoint not found."
