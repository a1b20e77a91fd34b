"""python -m std_plugin.demo: the same as std-demo."""
from std_plugin.demo.command import main

main()
