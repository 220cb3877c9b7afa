"""OCOP Hub Evaluation service: criteria sets, council sessions, score sheets and star decisions."""

SERVICE = "evaluation"
