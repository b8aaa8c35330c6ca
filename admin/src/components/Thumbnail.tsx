import { Box, Flex, Typography } from '@strapi/design-system';
import { Image } from '@strapi/icons';

/** A file's thumbnail, cropped to its box; an icon when it has no image to show. */
export const Thumbnail = ({ url, alt, size = 64 }: { url: string | null; alt: string; size?: number | string }) => {
  const dimension = typeof size === 'number' ? `${size}px` : size;
  return (
    <Box
      background="neutral100"
      hasRadius
      overflow="hidden"
      style={{ width: dimension, height: dimension, flexShrink: 0 }}
    >
      {url ? (
        <img
          src={url}
          alt={alt}
          loading="lazy"
          style={{ width: '100%', height: '100%', objectFit: 'cover', display: 'block' }}
        />
      ) : (
        <Flex justifyContent="center" alignItems="center" height="100%">
          <Image aria-hidden />
          <Typography variant="pi" textColor="neutral600" style={{ position: 'absolute', left: -9999 }}>
            {alt}
          </Typography>
        </Flex>
      )}
    </Box>
  );
};
