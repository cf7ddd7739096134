"""Developer tools shipped with dmlpy (run as `python -m dmlpy.tools.<name>`)."""
