"""Where settings come from: the process environment, with a .env file of the
project's folder filling in what it lacks (django-environ). The file is read
into a copy of the environment, so importing the settings changes no process's
environment."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _Env(environ.Env):
    ENVIRON = dict(os.environ)


env = _Env()
_Env.read_env(BASE_DIR / ".env")
