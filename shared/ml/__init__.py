"""The ranking model: one feature builder for training and scoring, the trainer and its
retraining command on the seller's event log (``retrain``), the model and its registry in Blob,
SHAP explanations; ``risk/`` is the dead-stock risk model.
"""
