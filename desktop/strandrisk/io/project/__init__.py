"""The .strandrisk project file and the app's autosave."""
