"""What every HTML report of govnet shares: one stylesheet."""

PAGE_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.bad, .late { color: #c00; font-weight: bold; }
.ok { color: #080; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
"""
