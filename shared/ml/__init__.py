"""Machine learning for ranking: demand simulator, features, training, model registry, SHAP."""
