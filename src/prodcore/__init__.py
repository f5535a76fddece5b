"""prodcore: production execution the way an ERP manufacturing module does it."""
