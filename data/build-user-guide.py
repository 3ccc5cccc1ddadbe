#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds the user guide that F1 opens: docs/USER-GUIDE.md as one HTML page
(Debian's python3-markdown, with tables). Links to the other Markdown
documents point at the project's pages, which are not installed.
Usage: build-user-guide.py USER-GUIDE.md OUTPUT.html"""
import html
import re
import sys

import markdown

source, output = sys.argv[1], sys.argv[2]
text = open(source, encoding="utf-8").read()
body = markdown.markdown(text, extensions=["tables"], output_format="html")
body = re.sub(r'href="([A-Z][A-Z-]*\.md)"',
              r'href="https://github.com/mien-app/mien/blob/main/docs/\1"', body)
title = re.search(r"^# (.+)$", text, re.M)
page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title.group(1) if title else "Mien")}</title>
<style>
body {{ font-family: sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
img {{ max-width: 100%; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }}
code, pre {{ background: #f4f4f4; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
with open(output, "w", encoding="utf-8") as f:
    f.write(page)
