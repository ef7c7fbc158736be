"""Safety decisions: the hazard taxonomy, classifiers, and the gates every stage's data passes."""
