"""The ranking model: one feature builder for training and scoring, the trainer, the model and
its registry in Blob, SHAP explanations; ``sim/`` simulates shoppers and catalogues.
"""
