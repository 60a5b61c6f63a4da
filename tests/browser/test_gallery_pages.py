"""The gallery pages in headless Chromium: sign-up to the trash with a real worker, isolation between
users, visible form errors, a phone-sized layout, and screenshots of every main page."""

from __future__ import annotations

import base64
import re

import pytest

from benchmarks.datasets import held_out_labels
from benchmarks.tag_quality import near_synonyms
from gallery.models import Photo
from tests import images
from tests.browser.conftest import CALTECH, PHONE, caltech_photos, screenshot
from tests.factories import PASSWORD, UserFactory, photo_factory, ready_photo_factory

pytestmark = [pytest.mark.browser]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

MAKE_DATA_TRANSFER = """(files) => {
  const transfer = new DataTransfer();
  for (const file of files) {
    const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], file.name, { type: file.type }));
  }
  return transfer;
}"""

NOT_AN_IMAGE = "Rejected: This file is not an image we can read."


def drop_files(page, files: list[tuple[str, bytes]], *, screenshot_name: str = "") -> None:
    """Drag files from 'the desktop' onto the page: dragenter, dragover and drop with a real DataTransfer."""
    transfer = page.evaluate_handle(MAKE_DATA_TRANSFER, [
        {"name": name, "type": "image/jpeg", "data": base64.b64encode(data).decode()} for name, data in files])
    page.dispatch_event("main", "dragenter", {"dataTransfer": transfer})
    expect(page.locator("body")).to_have_class(re.compile(r"\bdragging\b"))
    if screenshot_name:
        screenshot(page, screenshot_name, full_page=False)
    page.dispatch_event("main", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("main", "drop", {"dataTransfer": transfer})
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bdragging\b"))


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_journey_signup_upload_process_search_tag_delete_logout(live_app, vocabulary, new_page):
    url = live_app.url
    page = new_page()
    page.goto(f"{url}/accounts/signup/")
    page.fill("#id_username", "ada")
    page.fill("#id_email", "ada@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(f"{url}/")
    expect(page.locator(".message-success")).to_have_text("Welcome, ada! Drop some photos here to start your gallery.")
    expect(page.locator(".who")).to_have_text("ada")
    expect(page.locator("#empty-gallery")).to_have_text("Your gallery is empty. Drop photos on this page to add them.")
    expect(page.locator(".toolbar .count")).to_have_text("0")
    screenshot(page, "gallery-empty")

    # Six real photos dropped on the page: one line per file with a progress bar, then a card each.
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page
    photos = caltech_photos(6)
    drop_files(page, photos, screenshot_name="gallery-dragging")
    items = page.locator("#upload-list .upload-item")
    expect(items).to_have_count(6)
    expect(items.locator("progress")).to_have_count(6)
    expect(page.locator(".upload-summary")).to_have_text("Upload finished: 6 added, 0 already there, 0 rejected.")
    for index, (name, _) in enumerate(photos):
        item = items.nth(index)
        expect(item.locator(".name")).to_have_text(name)
        expect(item.locator(".result")).to_have_text("Added")
        expect(item.locator("progress")).to_have_js_property("value", 100)
    cards = page.locator("#photo-grid .card")
    expect(cards).to_have_count(6)
    expect(page.locator("#empty-gallery")).to_have_count(0)
    expect(page.locator(".toolbar .count")).to_have_text("6")
    assert Photo.objects.filter(owner__username="ada").count() == 6
    screenshot(page, "gallery-uploaded-processing")

    # The worker makes thumbnails; status.js swaps them in without a reload.
    expect(page.locator("#photo-grid .card[data-status=ready]")).to_have_count(6, timeout=90_000)
    expect(page.locator("#photo-grid .card .badge")).to_have_count(0)
    expect(page.locator("#photo-grid .card img")).to_have_count(6)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('#photo-grid .card img'))
        .every((img) => img.complete && img.naturalWidth > 0)""", timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True
    assert set(Photo.objects.filter(owner__username="ada").values_list("status", flat=True)) == {"ready"}
    shown = sorted(page.locator("#photo-grid .card img").evaluate_all("(imgs) => imgs.map((img) => img.alt)"))
    assert shown == sorted(name for name, _ in photos)
    screenshot(page, "gallery-with-photos")

    # The same bytes again through the file picker, then a text file that pretends to be a JPEG.
    name, data = photos[2]
    page.set_input_files("#id_files", files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])
    expect(items).to_have_count(7)
    expect(items.nth(6).locator(".result")).to_have_text("Already in your gallery")
    page.set_input_files("#id_files", files=[{"name": "x.jpg", "mimeType": "image/jpeg", "buffer": b"just some text\n"}])
    expect(items).to_have_count(8)
    expect(items.nth(7).locator(".name")).to_have_text("x.jpg")
    expect(items.nth(7).locator(".result")).to_contain_text(NOT_AN_IMAGE)
    expect(items.nth(7)).to_have_class(re.compile(r"\brejected\b"))
    expect(page.locator(".upload-summary")).to_have_text("Upload finished: 6 added, 1 already there, 1 rejected.")
    expect(items.nth(7)).to_be_in_viewport()  # the result list scrolls to the newest line
    assert items.locator("progress").evaluate_all("(bars) => bars.map((bar) => bar.value)") == [100] * 8
    expect(cards).to_have_count(6)
    expect(page.locator(".toolbar .count")).to_have_text("6")
    screenshot(page, "gallery-upload-results")

    search_and_tag(page, url, owner="ada", photos=photos)
    unseen_class_photo(page, url, owner="ada", photos=photos)
    page.goto(f"{url}/")

    # A photo's page: the image, its details; delete it.
    name, data = photos[0]
    photo = Photo.objects.get(owner__username="ada", original_name=name)
    page.locator(f'#photo-grid .card[data-photo-id="{photo.pk}"] a.card-link').click()
    expect(page).to_have_url(f"{url}/photos/{photo.pk}/")
    expect(page.locator("h1.filename")).to_have_text(name)
    image = page.locator("#photo-image")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.getElementById('photo-image').naturalWidth > 0")
    assert image.evaluate("(img) => img.naturalWidth") == photo.width
    details = page.locator("dl.details")
    expect(details).to_contain_text(f"{photo.width} × {photo.height} px")
    expect(details).to_contain_text("image/jpeg")
    expect(page.get_by_role("link", name="Download original")).to_have_attribute(
        "href", f"/api/v1/photos/{photo.pk}/original/?download=true")
    expect(page.locator("#crop-clear")).to_be_hidden()  # [hidden] wins over the button styles
    screenshot(page, "photo-page")

    # Deleting moves the photo to the trash (undoable, so no question first); the trash page has it.
    page.get_by_role("button", name="Move to trash").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.locator(".message-success")).to_have_text(f"Moved {name} to the trash.")
    expect(cards).to_have_count(5)
    expect(page.locator(".toolbar .count")).to_have_text("5")
    expect(page.locator(f'#photo-grid .card[data-photo-id="{photo.pk}"]')).to_have_count(0)
    assert Photo.objects.get(pk=photo.pk).trashed_at is not None

    # Log out: the gallery is behind the login page again.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(re.escape(f"{url}/accounts/login/")))
    page.goto(f"{url}/")
    expect(page).to_have_url(f"{url}/accounts/login/?next=/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def search_and_tag(page, url: str, *, owner: str, photos: list[tuple[str, bytes]]) -> None:
    """Find similar, tags (click, add, remove), a crop, words and an uploaded image, as a user would."""
    real = CALTECH.is_dir()
    by_name = {photo.original_name: photo for photo in Photo.objects.filter(owner__username=owner)}
    sunflower = by_name[photos[0][0]]  # the first Caltech class is sunflower

    # Find similar from the gallery card's pill.
    page.locator(f'#photo-grid .card[data-photo-id="{sunflower.pk}"]').hover()
    page.locator(f'#photo-grid .card[data-photo-id="{sunflower.pk}"] .card-similar').click()
    expect(page).to_have_url(f"{url}/search/similar/{sunflower.pk}/")
    results = page.locator("#results-grid .card")
    expect(results).to_have_count(5)
    expect(page.locator(f'#results-grid .card[data-photo-id="{sunflower.pk}"]')).to_have_count(0)
    scores = [float(s) for s in results.evaluate_all("(cards) => cards.map((c) => c.dataset.score)")]
    assert scores == sorted(scores, reverse=True)
    screenshot(page, "results-similar")

    # The photo's automatic tags; a click searches the tag.
    page.goto(f"{url}/photos/{sunflower.pk}/")
    if not real:  # generated images may get no automatic tag: give it one to click
        page.fill("#tag-name", "pattern")
        page.get_by_role("button", name="Add", exact=True).click()
    chips = page.locator("#photo-tags .chip")
    expect(chips.first).to_be_visible()
    if real:
        expect(page.locator('#photo-tags .chip[data-tag="sunflower"]')).to_have_count(1)
    screenshot(page, "photo-page-tags")
    first_tag = chips.first.get_attribute("data-tag")
    chips.first.locator("a").click()
    expect(page).to_have_url(re.compile(re.escape(f"{url}/search/?q=")))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"“{first_tag}”")
    expect(page.locator("#results-grid .card").first).to_be_visible()
    if real:
        expect(page.locator("#results-grid .card").first).to_have_attribute("data-photo-id", str(sunflower.pk))
    screenshot(page, "results-tag")

    # Add a tag of one's own (a bad one first), then remove it.
    page.goto(f"{url}/photos/{sunflower.pk}/")
    page.fill("#tag-name", "sun<flower>")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#tag-error")).to_contain_text("letters and digits")
    expect(page.locator("#tag-name")).to_have_value("sun<flower>")
    screenshot(page, "photo-page-tag-error")
    page.fill("#tag-name", "Summer Garden")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".message-success")).to_have_text("Tagged “summer garden”.")
    expect(page.locator('#photo-tags .chip-user[data-tag="summer garden"]')).to_have_count(1)
    page.get_by_role("button", name="Remove the tag summer garden").click()
    expect(page.locator('#photo-tags .chip[data-tag="summer garden"]')).to_have_count(0)
    expect(page.locator(".message-success")).to_have_text("Removed the tag “summer garden”.")

    # Drag a box on the photo and search by that region.
    image = page.locator("#photo-image")
    page.wait_for_function("() => document.getElementById('photo-image').naturalWidth > 0")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.85, box["y"] + box["height"] * 0.85, steps=5)
    page.mouse.up()
    expect(page.locator("#crop-box")).to_be_visible()
    screenshot(page, "photo-page-crop")
    page.get_by_role("button", name="Search this region").click()
    expect(page).to_have_url(re.compile(re.escape(f"{url}/search/region/{sunflower.pk}/?box=")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Photos like this region")
    expect(page.locator("#results-grid .card")).to_have_count(6)
    if real:
        expect(page.locator("#results-grid .card").first).to_have_attribute("data-photo-id", str(sunflower.pk))
    screenshot(page, "results-region")

    # Words in the search box.
    helicopter = by_name[photos[1][0]]
    page.fill('#searchbox input[name="q"]', "helicopter")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("“helicopter”")
    expect(page.locator("#results-grid .card")).to_have_count(6)
    if real:
        expect(page.locator("#results-grid .card").first).to_have_attribute("data-photo-id", str(helicopter.pk))
    screenshot(page, "results-text")

    # A word that is no tag and that the offline model never learnt still finds the helicopter,
    # through the GloVe match of its tag, and the page suggests that tag.
    if real:
        page.fill('#searchbox input[name="q"]', "aircraft")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("“aircraft”")
        first = page.locator("#results-grid .card").first
        expect(first).to_have_attribute("data-photo-id", str(helicopter.pk))
        expect(first.locator(".matched")).to_have_text(["helicopter"])
        expect(page.locator("nav.related-tags .chip a")).to_contain_text(["helicopter"])
        screenshot(page, "results-word-not-a-tag")

    # An image from the disk (not added to the gallery).
    before = Photo.objects.filter(owner__username=owner).count()
    page.set_input_files("#image-search-input", files=[
        {"name": "query-sunflower.jpg", "mimeType": "image/jpeg", "buffer": photos[0][1]}])
    expect(page.get_by_role("heading", level=1)).to_have_text("Photos like query-sunflower.jpg")
    expect(page.locator("#results-grid .card").first).to_have_attribute("data-photo-id", str(sunflower.pk))
    assert Photo.objects.filter(owner__username=owner).count() == before
    screenshot(page, "results-image")

    # The tags page; a tile opens the gallery filtered by it.
    page.get_by_role("link", name="Tags", exact=True).click()
    expect(page).to_have_url(f"{url}/search/tags/")
    tiles = page.locator("#tag-grid .tag-tile")
    expect(tiles.first).to_be_visible()
    screenshot(page, "tags")
    name = tiles.first.get_attribute("data-tag")
    tiles.first.click()
    expect(page.locator("#tag-filter")).to_contain_text(name)
    expect(page.locator("#photo-grid .card").first).to_be_visible()
    screenshot(page, "gallery-tag-filter")


def unseen_class_photo(page, url: str, *, owner: str, photos: list[tuple[str, bytes]]) -> None:
    """A photo of a held-out class (Caltech's Leopards, benchmarks.datasets.held_out_labels): either no
    automatic tags, and the page says the model does not recognise it, or a best tag that names it."""
    # A word the offline model never learnt, that no tag matches: its few guesses, said to be guesses.
    page.fill('#searchbox input[name="q"]', "bankruptcy")
    page.keyboard.press("Enter")
    expect(page.locator("#low-confidence")).to_contain_text("doesn't know “bankruptcy”")
    assert page.locator("#results-grid .card").count() <= 5
    screenshot(page, "results-low-confidence")

    name = photos[2][0]
    photo = Photo.objects.get(owner__username=owner, original_name=name)
    page.goto(f"{url}/photos/{photo.pk}/")
    chips = page.locator("#photo-tags .chip-auto")
    if not CALTECH.is_dir():
        return  # generated images have no class to match
    assert "leopard" in held_out_labels(CALTECH.parent) and name.startswith("leopards-")
    if chips.count():
        assert chips.first.get_attribute("data-tag") in near_synonyms({"leopard"})["leopard"]
    else:
        expect(page.locator("#no-tags-reason")).to_contain_text("the offline model doesn't recognise")
    screenshot(page, "photo-page-unseen-class")


def test_a_second_user_sees_nothing_of_the_first(live_url, new_page):
    owner, stranger = UserFactory(), UserFactory()
    photo = photo_factory(owner=owner, data=images.jpeg(320, 240, seed=41), name="private.jpg")
    photo_url, original_url = f"{live_url}/photos/{photo.pk}/", f"{live_url}/api/v1/photos/{photo.pk}/original/"

    # The owner can open both (so the 404s below are about ownership, not broken URLs).
    mine = new_page()
    log_in(mine, live_url, owner.username)
    expect(mine.locator("#photo-grid .card")).to_have_count(1)
    assert mine.goto(photo_url).status == 200
    assert mine.goto(original_url).status == 200

    page = new_page()
    log_in(page, live_url, stranger.username)
    expect(page.locator(".who")).to_have_text(stranger.username)
    expect(page.locator("#photo-grid .card")).to_have_count(0)
    expect(page.locator("#empty-gallery")).to_be_visible()
    expect(page.locator(".toolbar .count")).to_have_text("0")
    expect(page.locator("body")).not_to_contain_text("private.jpg")
    response = page.goto(photo_url)
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("private.jpg")
    response = page.goto(original_url)
    assert response.status == 404
    assert response.body() != photo.original.open("rb").read()
    assert not response.headers.get("content-type", "").startswith("image/")


def test_file_endpoint_errors_are_json_in_the_browser(live_url, new_page):
    owner, stranger = UserFactory(), UserFactory()
    photo = photo_factory(owner=owner, data=images.jpeg(320, 240, seed=42), name="private.jpg")
    page = new_page()
    log_in(page, live_url, stranger.username)
    response = page.goto(f"{live_url}/api/v1/photos/{photo.pk}/original/")
    assert response.status == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"detail": "Photo not found."}


def test_form_errors_are_shown(live_url, new_page):
    page = new_page()
    page.goto(f"{live_url}/accounts/login/")
    screenshot(page, "login")
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(f"{live_url}/accounts/signup/")
    expect(page.get_by_role("heading", name="Create your gallery")).to_be_visible()
    screenshot(page, "signup")

    page.fill("#id_username", "bob")
    page.fill("#id_email", "bob@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD + "x")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".field-error")).to_have_text(["The two password fields didn’t match."])
    expect(page.locator("#id_username")).to_have_value("bob")  # the form keeps what was typed
    screenshot(page, "signup-errors-mismatch")

    page.fill("#id_password1", "x7")
    page.fill("#id_password2", "x7")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.locator(".has-error .field-error")).to_contain_text(
        ["This password is too short. It must contain at least 8 characters."])
    screenshot(page, "signup-errors-short")
    assert not UserFactory._meta.model.objects.filter(username="bob").exists()

    user = UserFactory()
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".form-errors")).to_contain_text("Please enter a correct username and password.")
    expect(page).to_have_url(f"{live_url}/accounts/login/")
    screenshot(page, "login-error")
    log_in(page, live_url, user.username)


def test_phone_layout_has_no_horizontal_scrolling(live_url, new_page):
    user = UserFactory()
    long_name = "IMG_20240612_183045123_HDR_PORTRAIT_a_very_long_file_name_straight_from_a_phone_camera.jpg"
    photos = [ready_photo_factory(owner=user, data=images.jpeg(800, 600, seed=60 + i), name=f"phone-{i}.jpg")
              for i in range(4)]
    photos.append(ready_photo_factory(owner=user, data=images.jpeg(600, 900, seed=70), name=long_name))
    photo_factory(owner=user, data=images.jpeg(640, 480, seed=71), name="still-waiting.jpg")  # a pending card too

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    for path, heading in (("/accounts/login/", "Log in"), ("/accounts/signup/", "Create your gallery")):
        page.goto(live_url + path)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert page_width(page) <= PHONE["width"], path
        screenshot(page, "phone" + path.rstrip("/").replace("/accounts/", "-"))

    log_in(page, live_url, user.username)
    expect(page.locator("#photo-grid .card")).to_have_count(6)
    expect(page.locator("#photo-grid .card img")).to_have_count(5)
    upload_button = page.get_by_text("Choose photos")
    expect(upload_button).to_be_visible()
    expect(upload_button).to_be_in_viewport()
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    page.wait_for_function("""() => Array.from(document.querySelectorAll('#photo-grid .card img'))
        .every((img) => img.complete && img.naturalWidth > 0)""")
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "phone-gallery")

    page.goto(f"{live_url}/photos/{photos[-1].pk}/")
    expect(page.locator("h1.filename")).to_have_text(long_name)
    expect(page.locator("#photo-image")).to_be_visible()
    page.wait_for_function("() => document.getElementById('photo-image').naturalWidth > 0")
    assert page_width(page) <= PHONE["width"]
    box = page.locator("#photo-image").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.get_by_role("button", name="Move to trash")).to_be_visible()
    screenshot(page, "phone-photo-page")
