"""A product's cover image through the API: the same service as the dashboard's
form, so the same refusals (image_invalid, image_too_large)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiKeyAccess
from catalog.selectors import product_get_managed
from catalog.serializers import ProductOutputSerializer
from catalog.services import product_image_remove, product_image_replace


class ProductImageApi(APIView):
    """Upload or replace a product's cover image (PUT, multipart, field `image`:
    JPEG, PNG, WebP or GIF up to MAX_IMAGE_BYTES and MAX_IMAGE_PIXELS), or
    remove it (DELETE). Kassa cuts it to 4:3 in widths of 320, 640 and 1280 px
    (those it is wide enough for); the product's `image` lists them."""

    api_key_access = ApiKeyAccess.WRITE

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        image = serializers.FileField(allow_empty_file=False)

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses={200: ProductOutputSerializer}
    )
    def put(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product_image_replace(product=product, upload=serializer.validated_data["image"])
        return Response(ProductOutputSerializer(product, context={"request": request}).data)

    @extend_schema(responses={200: ProductOutputSerializer})
    def delete(self, request, product_id):
        product = product_get_managed(user=request.user, product_id=product_id)
        product_image_remove(product=product)
        return Response(ProductOutputSerializer(product, context={"request": request}).data)
