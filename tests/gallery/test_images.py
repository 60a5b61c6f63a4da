import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from gallery import images
from tests import images as make

LIMIT = 80_000_000


def inspect(data: bytes, max_pixels: int = LIMIT):
    return images.inspect(io.BytesIO(data), max_pixels=max_pixels)


def load(data: bytes, **kwargs):
    return images.load_rgb(io.BytesIO(data), max_pixels=LIMIT, **kwargs)


@pytest.mark.parametrize(
    "data, content_type",
    [(make.jpeg(), "image/jpeg"), (make.png(), "image/png"), (make.webp(), "image/webp"),
     (make.animated_gif(), "image/gif"), (make.tiff(), "image/tiff"), (make.bmp(), "image/bmp")],
)
def test_accepts_every_supported_format(data, content_type):
    assert inspect(data).content_type == content_type


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "not an image"),
        (b"just some text pretending to be a jpeg\n" * 10, "not an image"),
        (make.truncated_jpeg(), "truncated"),
        (make.truncated_png(), "damaged"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not an image"),
    ],
)
def test_rejects_what_is_not_a_whole_image(data, message):
    with pytest.raises(images.ImageRejected, match=message):
        inspect(data)


def test_rejects_images_over_the_pixel_limit_before_decoding():
    with pytest.raises(images.ImageRejected, match="too many pixels"):
        inspect(make.decompression_bomb_png(2_000_000), max_pixels=1_000_000)


def test_a_real_decompression_bomb_is_rejected_with_the_default_limit():
    bomb = make.decompression_bomb_png(100_000_000)
    assert len(bomb) < 2_000_000
    with pytest.raises(images.ImageRejected, match="too many pixels"):
        inspect(bomb)


def test_rejects_tiny_images():
    tiny = io.BytesIO()
    Image.new("RGB", (1, 1)).save(tiny, "PNG")
    with pytest.raises(images.ImageRejected, match="too small"):
        inspect(tiny.getvalue())


def test_exif_orientation_is_applied_to_size_and_pixels():
    info = inspect(make.exif_rotated_jpeg(80, 40))
    assert (info.width, info.height) == (40, 80)
    assert load(make.exif_rotated_jpeg(80, 40)).size == (40, 80)


def test_cmyk_becomes_the_same_colour_in_rgb():
    red, green, blue = load(make.cmyk_jpeg()).getpixel((20, 15))
    assert red > 200 and green < 60 and blue < 60


def test_16_bit_grey_is_scaled_not_clipped():
    image = load(make.png_16bit_grey())
    assert image.mode == "RGB"
    darkest, brightest = image.getpixel((0, 0))[0], image.getpixel((39, 29))[0]
    assert darkest < 5 and brightest > 250
    assert 100 < image.getpixel((20, 15))[0] < 160  # the middle is mid-grey, not white


def test_transparent_palette_pixels_become_white():
    image = load(make.palette_png_with_transparency())
    assert image.getpixel((4, 4)) == (255, 0, 0)
    assert image.getpixel((28, 4)) == (255, 255, 255)


def test_animated_gif_uses_the_first_frame():
    assert load(make.animated_gif()).getpixel((5, 5)) == (0, 0, 255)


def test_load_can_shrink_while_decoding():
    image = load(make.jpeg(2000, 1000), fit_within=512)
    assert max(image.size) == 512 and image.size[0] == 512


def test_thumbnail_long_side():
    data = images.thumbnail_jpeg(make.pattern(1000, 600), long_side=512)
    assert Image.open(io.BytesIO(data)).size == (512, 307)


def test_crop_normalised():
    assert images.crop_normalised(make.pattern(200, 100), (0.25, 0.5, 0.75, 1.0)).size == (100, 50)


# --- HEIC/HEIF and AVIF -----------------------------------------------------------------------------

def test_heic_and_avif_are_accepted_by_content_with_their_own_types():
    assert inspect(make.heic()).content_type == "image/heic"
    assert inspect(make.avif()).content_type == "image/avif"
    named_wrongly = images.inspect(make.upload(make.heic(), name="photo.jpg", content_type="image/jpeg"),
                                   max_pixels=LIMIT)
    assert named_wrongly.content_type == "image/heic"


def test_a_heif_that_libheif_does_not_call_heic_is_image_heif():
    data = make.heic()
    assert data[8:12] == b"heic"
    assert inspect(data[:8] + b"mif1" + data[12:]).content_type == "image/heif"  # same file, generic brand


def test_every_content_type_has_an_extension():
    assert set(images.CONTENT_TYPES.values()) | {"image/heif"} == set(images.EXTENSIONS)
    assert all(ext.startswith(".") for ext in images.EXTENSIONS.values())
    assert "HEIC" in images.ACCEPTED_DESCRIPTION and "AVIF" in images.ACCEPTED_DESCRIPTION


@pytest.mark.parametrize("maker", [make.heic, make.avif])
def test_heic_and_avif_pixels_decode(maker):
    decoded = np.asarray(load(maker(64, 48, seed=4)), dtype=int)
    assert decoded.shape == (48, 64, 3)
    same = np.abs(decoded - np.asarray(make.pattern(64, 48, seed=4), dtype=int)).mean()
    other = np.abs(decoded - np.asarray(make.pattern(64, 48, seed=5), dtype=int)).mean()
    assert same < 12 and other > 40, (same, other)  # lossy (chroma subsampled), but the same picture


@pytest.mark.parametrize("primary, size, colour", [(1, (64, 48), (255, 0, 0)), (2, (50, 50), (0, 255, 0))])
def test_a_multi_image_heic_is_its_primary_image(primary, size, colour):
    data = make.multi_image_heic(primary_index=primary)
    info = inspect(data)
    assert (info.width, info.height) == size
    image = load(data)
    assert image.size == size
    assert all(abs(a - b) <= 8 for a, b in zip(image.getpixel((10, 10)), colour)), image.getpixel((10, 10))


def test_heic_orientation_is_applied_once():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    data = make.heic(80, 40, exif=exif.tobytes())
    info = inspect(data)
    assert (info.width, info.height) == (40, 80)
    assert load(data).size == (40, 80)


@pytest.mark.parametrize("maker", [make.heic, make.avif])
def test_truncated_heic_and_avif_are_rejected_as_truncated(maker):
    with pytest.raises(images.ImageRejected, match="damaged.*truncated"):
        inspect(make.truncated(maker(160, 120, seed=6)))


@pytest.mark.parametrize("maker", [make.heic, make.avif])
def test_heic_and_avif_headers_claiming_huge_sizes_are_refused_before_decoding(maker):
    # 64x64: no clean-aperture crop box, which would otherwise override the claimed size
    bomb = make.with_bmff_size(maker(64, 64), 12_000, 12_000)  # 144 megapixels claimed in a few hundred bytes
    assert len(bomb) < 10_000 and b"clap" not in bomb
    with pytest.raises(images.ImageRejected, match="too many pixels"):
        inspect(bomb)


def test_a_heif_header_over_garbage_is_damaged_not_a_crash():
    data = make.heic()
    with pytest.raises(images.ImageRejected, match="damaged"):
        inspect(data[:40] + bytes(range(256)) * 4)


def test_heic_exif_is_read():
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 14:30:15"
    info = inspect(make.heic(exif=exif.tobytes()))
    assert info.metadata.camera == "Apple iPhone 15 Pro"
    assert info.taken_at.isoformat() == "2024-05-06T14:30:15+00:00"  # no offset recorded, read in UTC


# --- colour: ICC profiles to sRGB -------------------------------------------------------------------

P3_COLOUR = (200, 100, 50)  # inside the sRGB gamut, so the exact sRGB value exists


def _p3_in_srgb(colour) -> np.ndarray:
    """The same colour in sRGB by the colour maths, independent of lcms: P3 -> XYZ (D65) -> sRGB."""
    to_srgb = np.linalg.inv(make.rgb_to_xyz_matrix(make.SRGB_PRIMARIES)) @ make.rgb_to_xyz_matrix(
        make.DISPLAY_P3_PRIMARIES)
    return make.srgb_encode(to_srgb @ make.srgb_decode(colour))


def _centre(image: Image.Image) -> np.ndarray:
    return np.asarray(image.getpixel((image.width // 2, image.height // 2)), dtype=float)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "HEIF"])
def test_a_display_p3_photo_is_converted_to_the_right_srgb_colour(fmt):
    data = make.flat(P3_COLOUR, fmt, icc_profile=make.rgb_icc_profile())
    expected = _p3_in_srgb(P3_COLOUR)  # about (215, 93, 31): redder, less green and blue
    naive = _centre(Image.open(io.BytesIO(data)).convert("RGB"))  # the stored numbers, shown as if sRGB
    converted = _centre(load(data))
    tolerance = 1.0 if fmt == "PNG" else 3.0  # JPEG and HEIC are lossy even on a flat colour
    assert np.abs(converted - expected).max() <= tolerance, (converted, expected)
    assert np.abs(naive - expected).max() > 10, (naive, expected)  # without the conversion: visibly wrong
    assert np.abs(_centre(Image.open(io.BytesIO(images.thumbnail_jpeg(load(data), long_side=16))))
                  - expected).max() <= tolerance + 2  # the thumbnail shows the converted colour


def test_rgba_with_a_profile_keeps_its_transparency():
    image = Image.new("RGBA", (32, 16), (*P3_COLOUR, 255))
    image.paste((0, 0, 0, 0), (16, 0, 32, 16))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", icc_profile=make.rgb_icc_profile())
    converted = load(buffer.getvalue())
    assert np.abs(np.asarray(converted.getpixel((4, 8))) - _p3_in_srgb(P3_COLOUR)).max() <= 1
    assert converted.getpixel((28, 8)) == (255, 255, 255)


def test_a_grey_profile_is_applied_to_grey_pixels():
    data = make.flat((128,), "PNG", mode="L", icc_profile=make.grey_icc_profile(1.0))  # linear light
    expected = make.srgb_encode(128 / 255)  # about 188: mid linear grey is light in sRGB
    red, green, blue = load(data).getpixel((5, 5))
    assert red == green == blue and abs(red - expected) <= 1, (red, expected)


def _all_levels() -> Image.Image:
    """Every red and green level against each other (blue follows red): 65,536 colours."""
    red, green = np.meshgrid(np.arange(256), np.arange(256))
    return Image.fromarray(np.dstack([red, green, red]).astype(np.uint8))


@pytest.mark.parametrize("profile", [
    ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    make.rgb_icc_profile(primaries=make.SRGB_PRIMARIES),  # another writer's sRGB, byte-different
    # sRGB with its white point rounded differently: converting would move 1 % of these pixels by one level
    make.rgb_icc_profile(primaries=make.SRGB_PRIMARIES, white=(0.3128, 0.3291)),
])
def test_srgb_and_untagged_images_are_unchanged(profile):
    picture = _all_levels()
    for save_kwargs in ({}, {"icc_profile": profile}):
        buffer = io.BytesIO()
        picture.save(buffer, "PNG", **save_kwargs)
        assert np.array_equal(np.asarray(load(buffer.getvalue())), np.asarray(picture)), save_kwargs


def test_a_profile_close_to_srgb_but_different_is_still_converted():
    buffer = io.BytesIO()  # sRGB primaries with a plain 2.2 power curve: darks differ by up to 9 levels
    _all_levels().save(buffer, "PNG", icc_profile=make.rgb_icc_profile(primaries=make.SRGB_PRIMARIES,
                                                                       curve=(2.2, 1, 0, 0, 0)))
    moved = np.abs(np.asarray(load(buffer.getvalue()), dtype=int) - np.asarray(_all_levels(), dtype=int))
    assert moved.max() > 5


@pytest.mark.parametrize("profile", [b"not an icc profile", make.rgb_icc_profile()[:200], b"\0" * 4000])
def test_a_broken_profile_is_ignored(profile):
    data = make.flat(P3_COLOUR, "PNG", icc_profile=profile)
    assert load(data).getpixel((5, 5)) == P3_COLOUR
    assert inspect(data).content_type == "image/png"


def test_a_profile_for_another_colour_space_is_ignored():
    data = make.flat((0, 255, 255, 0), "JPEG", mode="CMYK", icc_profile=make.rgb_icc_profile())  # red, RGB profile
    red, green, blue = load(data).getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60


def test_the_model_input_and_the_thumbnail_agree_on_colour():
    data = make.flat(P3_COLOUR, "JPEG", size=(800, 600), icc_profile=make.rgb_icc_profile())
    small = load(data, fit_within=224)  # uses JPEG draft decoding
    assert max(small.size) == 224 and np.abs(_centre(small) - _p3_in_srgb(P3_COLOUR)).max() <= 3


def test_a_heic_with_an_embedded_thumbnail_shrinks_correctly_and_keeps_its_colours():
    data = make.flat(P3_COLOUR, "HEIF", size=(1024, 768), icc_profile=make.rgb_icc_profile(), thumbnails=[256],
                     quality=95)
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.info["thumbnails"]  # the file really has one, so load_rgb's draft may decode it
    small = load(data, fit_within=200)
    assert small.size == (200, 150)
    assert np.abs(_centre(small) - _p3_in_srgb(P3_COLOUR)).max() <= 3


# --- previews ---------------------------------------------------------------------------------------

def test_preview_is_a_jpeg_with_the_long_side_asked_for():
    data = images.preview_bytes(make.pattern(3000, 2000), long_side=2048)
    with Image.open(io.BytesIO(data)) as preview:
        assert preview.format == "JPEG" and preview.mode == "RGB" and preview.size == (2048, 1365)


def test_preview_never_enlarges_and_keeps_colours():
    x, y = np.meshgrid(np.linspace(0, 255, 640), np.linspace(0, 255, 480))
    picture = Image.fromarray(np.dstack([x, y, 255 - x]).astype(np.uint8))  # smooth, as photos mostly are
    with Image.open(io.BytesIO(images.preview_bytes(picture))) as preview:
        assert preview.size == (640, 480)
        assert np.abs(np.asarray(preview, dtype=int) - np.asarray(picture, dtype=int)).mean() < 2
