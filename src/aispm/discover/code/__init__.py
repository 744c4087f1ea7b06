"""Discovery of AI in source repositories: code, notebooks, configs, model files, secrets."""
