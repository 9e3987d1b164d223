"""The HTML evidence report: its data, the page, the chart, and the inline assets."""
