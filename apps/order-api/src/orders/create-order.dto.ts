import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  isEmail,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { CURRENCY_CODES } from './currencies.js';

/** A price: a non-negative decimal, as a string ("12.50") or a number (12.5). Its decimals are checked per currency. */
function IsPrice(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPrice',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && /^(0|[1-9]\d{0,11})(\.\d{1,4})?$/.test(value)) ||
          (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1e12),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be a decimal number of at least 0, as a string or a number`,
      },
    });
}

/**
 * An email address, checked as well-formed Unicode first: a lone surrogate makes the email check itself throw
 * (a URIError from encodeURI), and no mail server could take the address anyway.
 */
function IsEmailAddress(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEmailAddress',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.isWellFormed() && isEmail(value),
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an email address`,
      },
    });
}

export class OrderItemDto {
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'sku must be 1-64 letters, digits, ".", "_" or "-"' })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(10_000)
  quantity!: number;

  @IsPrice()
  unitPrice!: string | number;
}

/** A new order. Its customer is the caller's token's `sub`: a body that names one (customerId) is refused (400). */
export class CreateOrderDto {
  @IsEmailAddress()
  @MaxLength(254)
  email!: string;

  @IsIn(CURRENCY_CODES, { message: 'currency must be an active ISO 4217 currency code, in upper case (e.g. EUR)' })
  currency!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
