"""Where settings come from: the process environment, with a .env file of the
project's folder filling in what it lacks (django-environ)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")
