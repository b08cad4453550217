"""Outcomes to answers: comparisons of designs, the exact Markov analysis, gaps, opportunities,
experience profiles, the delivery gap, care programmes, service recovery and design tests."""
