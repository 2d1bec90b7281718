"""Finance view: points, stored value and gift cards as liabilities, month by month, with breakage."""
