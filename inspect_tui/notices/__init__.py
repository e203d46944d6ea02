"""PDF documents made with reportlab: the rectification notice and the monthly report."""
