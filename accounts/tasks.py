from smtplib import SMTPException

from celery import shared_task

from accounts.services import email_verification_send, password_reset_email_send
from core.task_names import SEND_PASSWORD_RESET_EMAIL, SEND_VERIFICATION_EMAIL

# A mail server that is down is retried with backoff (5 s, 10 s, … up to 10
# minutes); a duplicate after a worker crash is harmless (one more link).
RETRIES = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name=SEND_VERIFICATION_EMAIL, **RETRIES)
def send_verification_email_task(user_id: str, email: str) -> None:
    email_verification_send(user_id=user_id, email=email)


@shared_task(name=SEND_PASSWORD_RESET_EMAIL, **RETRIES)
def send_password_reset_email_task(email: str) -> None:
    password_reset_email_send(email=email)
