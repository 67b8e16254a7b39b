"""The Qt workbench. Nothing here is imported by ``tsdesk.core`` or the CLI.

Modules that a training child process may import (``child``, ``workspace``) import no Qt.
"""
