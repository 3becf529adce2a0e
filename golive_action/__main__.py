from golive_action.entry import main_entry

main_entry()
