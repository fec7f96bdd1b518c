from events.services import webhook_endpoint_create


def endpoint_for(merchant, receiver, event_types=("*",)):
    """An endpoint of `merchant` pointing at `receiver`, and its secret."""
    return webhook_endpoint_create(
        merchant=merchant, url=receiver.url, event_types=list(event_types)
    )
