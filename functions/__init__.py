"""Function blueprints, one per folder; ``function_app.py`` registers them."""
