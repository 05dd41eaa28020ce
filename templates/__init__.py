"""Every message minga sends, as Jinja2 templates, with their gettext catalogs."""
