from golive_action.cli import main_entry

main_entry()
