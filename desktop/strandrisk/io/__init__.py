"""Spreadsheets, project files and reports: turns files into core inputs and results into files."""
