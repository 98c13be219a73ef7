

def test_the_editors_decision_on_a_phone(new_page, assert_accessible):
    staff = new_page("staff")
    case_id = write_and_submit(staff, "Trygghetsvärdar på Skarpnäcks torg")
    editor = new_page("editor")
    editor.set_viewport_size(PHONE)
    editor.goto(f"/cases/{case_id}")
    actions = editor.get_by_role("region", name="Redaktörens åtgärder")
    expect(actions.get_by_role("button", name="Publicera", exact=True)).to_be_visible()
    no_sideways_scroll(editor)
    assert_accessible(editor)
    editor.get_by_role("button", name="Återsänd med kommentar").click()  # no comment yet
    expect(editor.locator("#comment-error")).to_be_visible()
    no_sideways_scroll(editor)
