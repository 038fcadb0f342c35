"""Evaluation (综合评价): indicators from case events, scores, rankings, flags, the cockpit and reports."""
