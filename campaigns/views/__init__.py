"""Pages of campaigns: campaigns (/campaigns/…) and board (/board/…, /subscribe/…)."""
