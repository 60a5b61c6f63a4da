import io

import pytest
from PIL import Image

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
