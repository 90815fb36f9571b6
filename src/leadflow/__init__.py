"""LeadFlow: one agreement, one flow and one set of numbers for B2B marketing and sales."""

__version__ = "0.1.0"
